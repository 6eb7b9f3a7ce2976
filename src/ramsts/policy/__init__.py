"""ramsts.policy"""
