"""recruitment/domain"""
