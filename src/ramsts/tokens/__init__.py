"""ramsts.tokens"""
