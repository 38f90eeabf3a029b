// CSV loading: header detection, label columns, and errors that point at the line and column.
import Datasets
import Foundation
import Tensors
import XCTest

final class CSVTests: XCTestCase {
    func testIntegerLabelsFirstColumnWithHeader() throws {
        let dir = try temporaryFolder(self)
        try write("label,a,b\n2,1.5,-2\r\n0, 3e2 ,0.25\n\n1,0,7\n", to: dir + "/t.csv")
        let d = try loadCSV(dir + "/t.csv")
        XCTAssertEqual(d.name, "t")
        XCTAssertEqual(d.labels, [2, 0, 1])
        XCTAssertEqual(d.classNames, ["0", "1", "2"])
        XCTAssertEqual(d.features, Matrix([[1.5, -2], [300, 0.25], [0, 7]]))
    }

    func testStringLabelsLastColumnByNameAndGzip() throws {
        let dir = try temporaryFolder(self)
        let text = "x,y,species\n1,2,setosa\n3,4,\"virginica\"\n5,6,setosa\n7,8,versicolor\n"
        try write(gzipCompressed(Array(text.utf8)), to: dir + "/iris.csv.gz")
        let byName = try loadCSV(dir + "/iris.csv.gz", labelColumn: .name("species"))
        XCTAssertEqual(byName.name, "iris")
        XCTAssertEqual(byName.classNames, ["setosa", "versicolor", "virginica"])
        XCTAssertEqual(byName.labels, [0, 2, 0, 1])
        XCTAssertEqual(byName.features.row(3), [7, 8])
        let byIndex = try loadCSV(dir + "/iris.csv.gz", labelColumn: .index(-1))
        XCTAssertEqual(byIndex.labels, byName.labels)
    }

    func testNoHeaderAndFloatWrittenIntegerLabels() throws {
        let dir = try temporaryFolder(self)
        try write("0.5,1.0e+00\n0.25,0.0e+00\n", to: dir + "/n.csv")
        let d = try loadCSV(dir + "/n.csv", labelColumn: .index(1))
        XCTAssertEqual(d.count, 2)
        XCTAssertEqual(d.labels, [1, 0])
        XCTAssertEqual(d.features.data, [0.5, 0.25])
    }

    func testNaNIsReportedWithLineAndColumn() throws {
        let dir = try temporaryFolder(self)
        var lines = ["label,f1,f2,f3,f4"]
        for i in 0..<11 { lines.append("\(i % 2),1,2,3,4") }
        lines.append("1,1,2,3,nan")           // line 13, column 5
        try write(lines.joined(separator: "\n"), to: dir + "/nan.csv")
        let message = errorMessage(try loadCSV(dir + "/nan.csv"))
        XCTAssertTrue(message.contains("nan.csv: line 13, column 5 holds NaN"), message)
        try write("1,2,inf\n", to: dir + "/inf.csv")
        XCTAssertTrue(errorMessage(try loadCSV(dir + "/inf.csv", hasHeader: false)).contains("line 1, column 3 holds an infinite value"))
    }

    func testNonNumericRaggedAndEmpty() throws {
        let dir = try temporaryFolder(self)
        try write("a,b\n0,1\n1,x7\n", to: dir + "/text.csv")
        XCTAssertTrue(errorMessage(try loadCSV(dir + "/text.csv")).contains("line 3, column 2 holds \"x7\", which is not a number"))
        try write("0,1,2\n1,2,3\n0,1\n", to: dir + "/ragged.csv")
        XCTAssertTrue(errorMessage(try loadCSV(dir + "/ragged.csv")).contains("line 3 has 2 columns but line 1 has 3"))
        try write("", to: dir + "/empty.csv")
        XCTAssertTrue(errorMessage(try loadCSV(dir + "/empty.csv")).contains("empty.csv: the file is empty"))
        try write("label,a\n", to: dir + "/header.csv")
        XCTAssertTrue(errorMessage(try loadCSV(dir + "/header.csv")).contains("no data rows"))
        try write("a,b\n0,1\n", to: dir + "/named.csv")
        XCTAssertTrue(errorMessage(try loadCSV(dir + "/named.csv", labelColumn: .name("class"))).contains("no column named \"class\""))
    }
}
