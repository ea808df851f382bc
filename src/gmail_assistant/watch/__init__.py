"""Gmail watch registration and renewal."""
