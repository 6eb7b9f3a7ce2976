"""ramsts.console"""
