// Placeholder: the API benchmark (issue #4) lands here.
print("APIBenchmark: not written yet")
