import Foundation
import XCTest
@testable import GraphPruneIO


final class AtomicFileIOTests: XCTestCase {
    func testOverwriteReplacesContentsAndLeavesNoTemporaryFile() throws {
        try withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("out.bin")
            try AtomicFile.write(Data("first version, longer".utf8), to: url)
            try AtomicFile.write(Data("second".utf8), to: url)
            XCTAssertEqual(try Data(contentsOf: url), Data("second".utf8))
            try AtomicFile.write(Data(), to: url)
            XCTAssertEqual(try Data(contentsOf: url), Data())
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), ["out.bin"])
        }
    }

    func testMissingDirectoryThrowsAndLeavesNothing() throws {
        try withTemporaryDirectory { directory in
            let missing = directory.appendingPathComponent("no-such-dir")
            let url = missing.appendingPathComponent("out.npy")
            XCTAssertThrowsError(try AtomicFile.write(Data([1, 2, 3]), to: url)) { error in
                let writeError = error as? FileWriteError
                XCTAssertEqual(writeError?.path, url.path)
                XCTAssertTrue(writeError?.problem.contains("No such file or directory") ?? false, "\(error)")
                XCTAssertTrue(writeError?.description.hasPrefix(url.path + ": ") ?? false)
            }
            XCTAssertThrowsError(try NumPyFile.write(Tensor(shape: [1], storage: .float32([1])), to: url))
            XCTAssertThrowsError(try SafetensorsFile.write([:], to: url))
            XCTAssertFalse(FileManager.default.fileExists(atPath: missing.path))
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), [])
        }
    }

    func testRenameFailureRemovesTemporaryFile() throws {
        try withTemporaryDirectory { directory in
            // The destination is a non-empty directory, so rename(2) fails after the write.
            let url = directory.appendingPathComponent("taken")
            try FileManager.default.createDirectory(at: url.appendingPathComponent("inner"), withIntermediateDirectories: true)
            XCTAssertThrowsError(try AtomicFile.write(Data([1]), to: url)) { error in
                XCTAssertTrue((error as? FileWriteError)?.problem.contains("cannot rename") ?? false, "\(error)")
            }
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), ["taken"])
        }
    }
}
