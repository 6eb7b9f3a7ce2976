"""ramsts.api"""
