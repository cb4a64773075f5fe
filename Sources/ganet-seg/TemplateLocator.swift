import Glibc
import Phantoms

/// Finds the ICBM152 template: --template, else $GANET_SEG_TEMPLATE, else data/icbm152 in the
/// current folder or above the executable (a source checkout), else /usr/share/ganet-seg/icbm152.
enum TemplateLocator {
    static func find(explicit: String?) throws -> String {
        if let explicit { return explicit }
        if let env = getenv("GANET_SEG_TEMPLATE") { return String(cString: env) }
        var candidates = ["data/icbm152"]
        var dir = executableDirectory()
        while dir.count > 1 {
            candidates.append(dir + "/data/icbm152")
            dir = parent(of: dir)
        }
        candidates.append("/usr/share/ganet-seg/icbm152")
        if let found = candidates.first(where: { access($0 + "/" + Template.t1File, R_OK) == 0 }) {
            return found
        }
        throw InputError("cannot find the ICBM152 template (data/icbm152); pass --template DIR")
    }

    private static func executableDirectory() -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard n > 0 else { return "." }
        return parent(of: String(cString: buffer))
    }

    private static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}
