"""The demo's Zabbix emulator: the 6.0 JSON-RPC API and the trapper protocol on loopback."""
