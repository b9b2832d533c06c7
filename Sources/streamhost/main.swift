print("streamhost")
