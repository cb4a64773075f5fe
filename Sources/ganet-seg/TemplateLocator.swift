import Glibc
import Phantoms

/// Finds files shipped with ganet-seg (the template, the default model): in the current folder,
/// in the folders above the executable (a source checkout's .build/...), or under /usr/share/ganet-seg
/// (where the package installs models/ and data/icbm152/).
enum InstallationFiles {
    static func find(_ relative: String) -> String? {
        var candidates = [relative]
        var dir = executableDirectory()
        while dir.count > 1 {
            candidates.append(dir + "/" + relative)
            dir = parent(of: dir)
        }
        candidates.append("/usr/share/ganet-seg/" + relative)
        return candidates.first { access($0, R_OK) == 0 }
    }

    private static func executableDirectory() -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard n > 0 else { return "." }
        return parent(of: String(decoding: buffer[..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }

    private static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}

/// Finds the ICBM152 template: --template, else $GANET_SEG_TEMPLATE, else data/icbm152 of the installation.
enum TemplateLocator {
    static func find(explicit: String?) throws -> String {
        if let explicit { return explicit }
        if let env = getenv("GANET_SEG_TEMPLATE") { return String(cString: env) }
        if let t1 = InstallationFiles.find("data/icbm152/" + Template.t1File) {
            return String(t1.dropLast(Template.t1File.count + 1))
        }
        throw InputError("cannot find the ICBM152 template (data/icbm152); pass --template DIR")
    }
}
