"""HTTP routers: service-key endpoints, agent endpoints, the websocket."""
