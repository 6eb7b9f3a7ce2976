"""ramsts.store"""
