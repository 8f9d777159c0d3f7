import Testing

@Test func placeholder_AWSTests() {}
