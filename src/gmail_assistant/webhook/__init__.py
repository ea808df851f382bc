"""Gmail push notifications (Pub/Sub): decode, authenticate, enqueue a sync."""
