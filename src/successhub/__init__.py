"""SuccessHub (客户成功服务平台)."""

__version__ = "0.1.0"
