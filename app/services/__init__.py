"""Domain services: what the views and jobs call to change state."""
