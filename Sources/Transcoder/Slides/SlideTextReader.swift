import CTesseract
import Foundation

/// Reads a slide's text with tesseract (its C API). Owns one `TessBaseAPI`, freed in `deinit`; confined to the
/// OCR thread (tesseract's engine is not safe to share between threads).
final class SlideTextReader {
    /// What one picture reads as: its lines in reading order, and the title among them.
    struct Reading: Sendable, Equatable {
        var lines: [String]
        var title: String
        var text: String { lines.joined(separator: "\n") }
    }

    private let handle: OpaquePointer
    /// The tesseract language pack(s) in use, e.g. `eng` or `fra+eng`.
    let language: String

    /// Opens tesseract with `language` (tesseract codes joined by `+`), falling back to `eng` when its pack is
    /// missing. Throws when not even `eng` opens (tesseract-ocr-eng is not installed).
    init(language: String) throws(TranscodeError) {
        lectern_ocr_single_thread()
        guard let handle = TessBaseAPICreate() else {
            throw TranscodeError(.internalFailure, "Could not start the slide text reader (tesseract).")
        }
        self.handle = handle
        // Tesseract 5 opens `fra+eng` with only `eng` installed (it skips the missing pack, saying so on stderr),
        // so what is in use is read back rather than assumed; the manifest's `slides.language` carries it.
        if TessBaseAPIInit3(handle, nil, language) == 0, let loaded = Self.loadedLanguages(handle) {
            self.language = loaded
        } else if language != "eng", TessBaseAPIInit3(handle, nil, "eng") == 0 {
            self.language = "eng"
        } else {
            TessBaseAPIDelete(handle)
            throw TranscodeError(
                .internalFailure,
                "The slide text reader has no English language pack (install tesseract-ocr-eng)."
            )
        }
        TessBaseAPISetPageSegMode(handle, PSM_AUTO)
    }

    /// The packs tesseract actually loaded, joined by `+`; nil when none.
    private static func loadedLanguages(_ handle: OpaquePointer) -> String? {
        guard let vector = TessBaseAPIGetLoadedLanguagesAsVector(handle) else { return nil }
        defer { TessDeleteTextArray(vector) }
        var names: [String] = []
        var index = 0
        while let name = vector[index] {
            names.append(String(cString: name))
            index += 1
        }
        return names.isEmpty ? nil : names.joined(separator: "+")
    }

    deinit {
        TessBaseAPIEnd(handle)
        TessBaseAPIDelete(handle)
    }

    /// Lines read with a confidence below this (0–100) are left out: a camera window or a photo read as text
    /// gives strings of stray letters at 10–40, slide text at 80–95.
    static let minimumLineConfidence: Float = 50

    /// Reads an 8-bit grey picture (`stride` bytes a row).
    func read(grey: UnsafePointer<UInt8>, width: Int, height: Int, stride: Int) -> Reading {
        TessBaseAPISetImage(handle, grey, Int32(width), Int32(height), 1, Int32(stride))
        // Slides are screen pictures with no resolution of their own; unset, tesseract estimates one per picture and
        // says so on stderr. 96 ppi is a screen's.
        TessBaseAPISetSourceResolution(handle, 96)
        defer { TessBaseAPIClear(handle) }
        guard TessBaseAPIRecognize(handle, nil) == 0, let iterator = TessBaseAPIGetIterator(handle) else {
            return Reading(lines: [], title: "")
        }
        defer { TessResultIteratorDelete(iterator) }
        let page = TessResultIteratorGetPageIterator(iterator)
        var lines: [(text: String, top: Int32, height: Int32)] = []
        repeat {
            guard let raw = TessResultIteratorGetUTF8Text(iterator, RIL_TEXTLINE) else { continue }
            let text = String(cString: raw).trimmingCharacters(in: .whitespacesAndNewlines)
            TessDeleteText(raw)
            guard !text.isEmpty, text.contains(where: { $0.isLetter || $0.isNumber }),
                TessResultIteratorConfidence(iterator, RIL_TEXTLINE) >= Self.minimumLineConfidence
            else { continue }
            var left: Int32 = 0, top: Int32 = 0, right: Int32 = 0, bottom: Int32 = 0
            _ = TessPageIteratorBoundingBox(page, RIL_TEXTLINE, &left, &top, &right, &bottom)
            lines.append((text, top, bottom - top))
        } while TessResultIteratorNext(iterator, RIL_TEXTLINE) != 0
        return Reading(lines: lines.map(\.text), title: Self.title(of: lines, pictureHeight: height))
    }

    /// The tallest line in the top third of the picture (a slide's title is set larger, at the top), else the
    /// first line.
    static func title(of lines: [(text: String, top: Int32, height: Int32)], pictureHeight: Int) -> String {
        let top = lines.filter { Int($0.top) < pictureHeight / 3 }
        return (top.max { $0.height < $1.height } ?? lines.first)?.text ?? ""
    }
}

/// Tesseract language packs for the course's caption language (BCP 47), for the languages Debian packages as
/// `tesseract-ocr-<code>`. English is always added as a second language: slides in any language quote English.
public enum SlideTextLanguage {
    static let packs: [String: String] = [
        "en": "eng", "fr": "fra", "de": "deu", "es": "spa", "it": "ita", "pt": "por", "nl": "nld", "pl": "pol",
        "sv": "swe", "da": "dan", "nb": "nor", "no": "nor", "fi": "fin", "cs": "ces", "tr": "tur", "ru": "rus",
        "el": "ell", "ja": "jpn", "ko": "kor", "zh": "chi_sim", "ar": "ara", "he": "heb", "hi": "hin",
    ]

    /// `eng` for nil, English or an unknown language; otherwise e.g. `fra+eng` for `fr-CA`.
    public static func tesseract(for tag: String?) -> String {
        guard let primary = tag?.split(separator: "-").first?.lowercased(), let pack = packs[primary], pack != "eng"
        else { return "eng" }
        if primary == "zh", tag?.lowercased().contains("hant") == true { return "chi_tra+eng" }
        return pack + "+eng"
    }
}
