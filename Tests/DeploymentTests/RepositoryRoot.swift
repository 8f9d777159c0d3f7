import Foundation
import LecternTestSupport

/// The repository root, where deploy/ and the Dockerfiles live.
enum BuiltProductsRoot {
    static let url: URL = BuiltProducts.repositoryRoot
}
