"""ramsts.sts"""
