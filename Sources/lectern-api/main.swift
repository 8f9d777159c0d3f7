print("lectern-api: not yet implemented")
