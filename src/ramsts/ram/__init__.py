"""ramsts.ram"""
