import Testing

@Test func placeholder_LecternWorkerTests() {}
