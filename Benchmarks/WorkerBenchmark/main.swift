// Placeholder: the worker benchmark (issue #3) lands here.
print("WorkerBenchmark: not written yet")
