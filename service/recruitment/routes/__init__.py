"""recruitment/routes"""
