import Testing

@Test func placeholder_LecternAPITests() {}
