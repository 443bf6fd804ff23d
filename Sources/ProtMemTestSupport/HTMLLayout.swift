import Foundation

/// What the HTML report's tests check of its SVG plots, read from the page's text: the plots,
/// the text each draws, and whether any text may reach past its plot's edge, measured
/// conservatively (a character is taken as ``characterWidth`` em wide, more than sans-serif's
/// average). ``HeadlessChromium`` checks the same on the page as a browser lays it out.
public enum HTMLLayout {
    /// A character's width in ems, for the estimate.
    public static let characterWidth = 0.65

    public struct Plot: Sendable {
        public var id: String
        public var width: Double
        public var height: Double
        /// Everything between the opening and the closing tag.
        public var body: String
    }

    public struct Text: Sendable {
        public var x: Double
        public var y: Double
        public var fontSize: Double
        public var anchor: String
        public var className: String
        public var content: String

        /// Left, top, right and bottom of the box the text may cover, erring large.
        public var extent: (left: Double, top: Double, right: Double, bottom: Double) {
            let width = Double(content.count) * fontSize * HTMLLayout.characterWidth
            let left = anchor == "middle" ? x - width / 2 : anchor == "end" ? x - width : x
            return (left, y - fontSize, left + width, y + fontSize * 0.3)
        }
    }

    /// Every `<svg>` of `html`, in order.
    public static func plots(in html: String) -> [Plot] {
        matches(of: #"<svg([^>]*)>(.*?)</svg>"#, in: html).map { groups in
            let attributes = self.attributes(groups[1])
            let box = (attributes["viewBox"] ?? "").split(separator: " ").compactMap { Double($0) }
            return Plot(id: attributes["id"] ?? "", width: box.count == 4 ? box[2] : 0, height: box.count == 4 ? box[3] : 0, body: groups[2])
        }
    }

    /// Every `<text>` of `plot`, its content unescaped.
    public static func texts(in plot: Plot) -> [Text] {
        matches(of: #"<text([^>]*)>(.*?)</text>"#, in: plot.body).map { groups in
            let attributes = self.attributes(groups[1])
            return Text(x: Double(attributes["x"] ?? "") ?? 0, y: Double(attributes["y"] ?? "") ?? 0,
                        fontSize: Double(attributes["font-size"] ?? "") ?? 16, anchor: attributes["text-anchor"] ?? "start",
                        className: attributes["class"] ?? "", content: unescape(groups[2]))
        }
    }

    /// The texts of `html`'s plots that may reach past their plot's edge, one line each.
    public static func overflows(in html: String) -> [String] {
        plots(in: html).flatMap { plot in
            texts(in: plot).compactMap { text in
                let box = text.extent
                guard box.left < 0 || box.top < 0 || box.right > plot.width || box.bottom > plot.height else { return nil }
                return "\(plot.id) (\(plot.width)×\(plot.height)): \"\(text.content)\" may cover x \(box.left)…\(box.right), y \(box.top)…\(box.bottom)"
            }
        }
    }

    static func attributes(_ text: String) -> [String: String] {
        var result: [String: String] = [:]
        for groups in matches(of: #"([A-Za-z:-]+)="([^"]*)""#, in: text) { result[groups[1]] = groups[2] }
        return result
    }

    static func unescape(_ text: String) -> String {
        text.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&amp;", with: "&")
    }

    static func matches(of pattern: String, in text: String) -> [[String]] {
        guard let expression = try? NSRegularExpression(pattern: pattern, options: [.dotMatchesLineSeparators]) else { return [] }
        let whole = text as NSString
        return expression.matches(in: text, range: NSRange(location: 0, length: whole.length)).map { match in
            (0..<match.numberOfRanges).map { match.range(at: $0).location == NSNotFound ? "" : whole.substring(with: match.range(at: $0)) }
        }
    }
}

/// Headless Chromium (installed by Scripts/install-chromium.sh), for the tests that look at
/// the HTML report as a browser draws it.
public enum HeadlessChromium {
    public static let path = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }

    static let flags = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"]

    /// Draws `page` in a window `width` × `height` into the PNG `image`; the exit status.
    public static func screenshot(_ page: URL, to image: URL, width: Int, height: Int) throws -> Int32 {
        guard let path else { return -1 }
        return try BoardBlobs.run(URL(fileURLWithPath: path), flags + ["--window-size=\(width),\(height)", "--screenshot=\(image.path)", page.absoluteString]).status
    }

    /// Lays `html` out in a window `width` wide, as Chromium does, and reports what does not fit:
    /// `page W of V` (the page's width and the window's), then for each SVG text that reaches
    /// past its plot's viewBox `clipped ID: TEXT`, and for each two texts of a plot that
    /// overlap `overlap ID: A / B`. Measured with the browser's own fonts (`getBBox`).
    public static func layoutProblems(of html: String, width: Int, in directory: URL) throws -> [String] {
        guard let path else { return [] }
        let page = directory.appendingPathComponent("layout-\(width).html")
        try html.replacingOccurrences(of: "</body>", with: probe + "</body>").write(to: page, atomically: true, encoding: .utf8)
        let output = try BoardBlobs.run(URL(fileURLWithPath: path), flags + ["--window-size=\(width),1400", "--dump-dom", page.absoluteString])
        guard let start = output.stdout.range(of: "<pre id=\"layout-check\">"),
              let end = output.stdout.range(of: "</pre>", range: start.upperBound..<output.stdout.endIndex) else {
            return ["no layout report from chromium (status \(output.status)): \(output.stderr.prefix(300))"]
        }
        let lines = HTMLLayout.unescape(String(output.stdout[start.upperBound..<end.lowerBound])).split(separator: "\n").map(String.init)
        return lines.filter { line in
            if line.hasPrefix("page ") {
                let numbers = line.split(separator: " ").compactMap { Int($0) }
                return numbers.count != 2 || numbers[0] > numbers[1]
            }
            return true
        }
    }

    /// Measures the laid-out page: its width, and each SVG text's box against its viewBox and
    /// against the plot's other texts (boxes shrunk by half a pixel, so touching is not
    /// overlapping).
    static let probe = """
    <script>
    (function () {
      var out = ["page " + document.documentElement.scrollWidth + " of " + window.innerWidth];
      document.querySelectorAll("svg").forEach(function (svg) {
        var view = svg.viewBox.baseVal, boxes = [];
        svg.querySelectorAll("text").forEach(function (text) {
          var b = text.getBBox();
          if (b.x < view.x || b.y < view.y || b.x + b.width > view.x + view.width || b.y + b.height > view.y + view.height) {
            out.push("clipped " + svg.id + ": " + text.textContent + " at " + b.x.toFixed(1) + "," + b.y.toFixed(1) + " " + b.width.toFixed(1) + "x" + b.height.toFixed(1));
          }
          boxes.forEach(function (other) {
            if (b.x + 0.5 < other.b.x + other.b.width - 0.5 && other.b.x + 0.5 < b.x + b.width - 0.5 &&
                b.y + 0.5 < other.b.y + other.b.height - 0.5 && other.b.y + 0.5 < b.y + b.height - 0.5) {
              out.push("overlap " + svg.id + ": " + other.text + " / " + text.textContent);
            }
          });
          boxes.push({ b: b, text: text.textContent });
        });
      });
      var pre = document.createElement("pre");
      pre.id = "layout-check";
      pre.textContent = out.join("\\n");
      document.body.appendChild(pre);
    })();
    </script>
    """
}
