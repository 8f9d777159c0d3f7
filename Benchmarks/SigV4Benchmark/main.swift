print("TODO: SigV4 benchmark")
