"""ramsts.signing"""
