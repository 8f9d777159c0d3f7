import Testing

@Test func placeholder_SigV4Tests() {}
