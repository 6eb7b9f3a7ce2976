"""ramsts: a self-hostable implementation of Alibaba Cloud RAM and STS."""

__version__ = "0.1.0"
