"""Visitor passes (访客): short codes and signed QR payloads, guard verification, entries."""
