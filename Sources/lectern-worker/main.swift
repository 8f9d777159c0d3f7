print("lectern-worker: not yet implemented")
