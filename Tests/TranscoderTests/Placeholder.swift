import Testing

@Test func placeholder_TranscoderTests() {}
