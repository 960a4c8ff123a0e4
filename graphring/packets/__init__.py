"""Investigation packets: one offline folder per ring, and the run's overview page."""
