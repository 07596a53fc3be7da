"""webhooks/domain"""
