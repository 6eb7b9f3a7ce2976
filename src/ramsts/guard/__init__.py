"""ramsts.guard"""
