"""webhooks/routes"""
