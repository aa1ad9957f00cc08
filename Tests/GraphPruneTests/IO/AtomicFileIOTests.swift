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

    /// A directory, a FIFO or a symbolic link at the destination is refused, untouched, and no
    /// temporary file is left (rename(2) would replace a device node or a link by the file).
    func testOnlyRegularFilesAreReplaced() throws {
        try withTemporaryDirectory { directory in
            let folder = directory.appendingPathComponent("taken")
            try FileManager.default.createDirectory(at: folder.appendingPathComponent("inner"), withIntermediateDirectories: true)
            let fifo = directory.appendingPathComponent("fifo")
            XCTAssertEqual(mkfifo(fifo.path, 0o600), 0)
            let target = directory.appendingPathComponent("target")
            try Data([7]).write(to: target)
            let link = directory.appendingPathComponent("link")
            try FileManager.default.createSymbolicLink(at: link, withDestinationURL: target)
            for url in [folder, fifo, link] {
                XCTAssertThrowsError(try AtomicFile.write(Data([1]), to: url)) { error in
                    XCTAssertTrue((error as? FileWriteError)?.problem.contains("is not a regular file") ?? false, "\(error)")
                }
            }
            XCTAssertEqual(try Data(contentsOf: target), Data([7]))
            XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: link.path), target.path)
            XCTAssertEqual(Set(try FileManager.default.contentsOfDirectory(atPath: directory.path)), ["taken", "fifo", "target", "link"])
            try AtomicFile.write(Data([2]), to: target)
            XCTAssertEqual(try Data(contentsOf: target), Data([2]), "a regular file is replaced")
        }
    }
}
