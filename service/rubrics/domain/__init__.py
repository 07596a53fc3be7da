"""rubrics/domain"""
