"""Rasa input channels: the web chat widget (socket.io) and the WeChat Official Account."""
