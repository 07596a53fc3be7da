"""tenants/domain"""
