"""Zabbix: a client over pyzabbix and the reads and actions the console makes with it."""
