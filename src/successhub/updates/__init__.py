"""Patches and downloads (补丁包下载), update plans, license upgrades (许可升级) and signed licenses."""
