import Testing

@Test func placeholder_HTTPTransportTests() {}
