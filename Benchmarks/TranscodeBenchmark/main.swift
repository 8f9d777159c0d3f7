print("TODO: transcode benchmark")
