import CBLAS
import Foundation

/// The CPU kernels OpenBLAS runs (its "core"), and the correction for CPUs it does not know.
///
/// Debian 12's OpenBLAS (0.3.21) picks its kernels by the CPU's family and model when it loads;
/// a CPU newer than the library (Intel Emerald Rapids, family 6 model 207, with AVX-512) falls
/// back to `Prescott`, SSE3 kernels that run `ssyrk` 5× slower than the `SkylakeX` ones the CPU
/// can execute (2048², one thread: 0.346 s against 0.070 s). The choice is made before `main`;
/// the executable corrects it first thing (`correctIfMisdetected`) by setting `OPENBLAS_CORETYPE`
/// to the best core the CPU's instruction sets allow and letting OpenBLAS choose again in the
/// same process, or, with an OpenBLAS that cannot, by starting itself again. An explicit
/// `OPENBLAS_CORETYPE` is always left alone.
public enum BLASCore {
    /// The kernels OpenBLAS uses in this process (`SkylakeX`, `Haswell`, `Prescott`, …).
    public static var name: String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name)
    }

    /// The cores OpenBLAS falls back to for a CPU it does not recognise.
    static let fallbacks: Set<String> = ["Prescott", "Katmai", "Coppermine", "Northwood", "Banias", "Core2", "Penryn", "Dunnington"]

    /// The core to ask for when OpenBLAS fell back although the CPU has AVX-512 (`SkylakeX`) or
    /// AVX2 with FMA (`Haswell`), given its `/proc/cpuinfo` flags; nil when its choice stands.
    static func correction(current: String, flags: Set<Substring>) -> String? {
        guard fallbacks.contains(current) else { return nil }
        if ["avx512f", "avx512bw", "avx512dq", "avx512vl"].allSatisfy(flags.contains) { return "SkylakeX" }
        if ["avx2", "fma"].allSatisfy(flags.contains) { return "Haswell" }
        return nil
    }

    /// The instruction-set flags of the first CPU in `/proc/cpuinfo` (empty elsewhere).
    static func cpuFlags() -> Set<Substring> {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("flags") }),
              let colon = line.firstIndex(of: ":")
        else { return [] }
        return Set(line[line.index(after: colon)...].split(separator: " "))
    }

    /// Corrects OpenBLAS's kernels when it chose a fallback core for a CPU with AVX2 or AVX-512
    /// and no core was asked for; does nothing otherwise. Call first thing in `main`, before any
    /// BLAS call and before other threads exist.
    ///
    /// `OPENBLAS_CORETYPE` is set (children and the run record see it), then OpenBLAS's
    /// dynamic-architecture selection runs again in this process (`gotoblas_dynamic_quit`, then
    /// `gotoblas_dynamic_init`, the step its load-time constructor took; it swaps the kernel table
    /// and its blocking parameters, while the idle thread pool and the not yet allocated work
    /// buffers do not depend on the core). That costs microseconds; the former way, starting the
    /// process again, cost a second start (8–20 ms per command on this machine). When the
    /// library does not export those functions (an OpenBLAS built for one CPU) or the switch did
    /// not take, the executable still starts itself again with the variable set.
    public static func correctIfMisdetected() {
        let environment = ProcessInfo.processInfo.environment
        guard environment["OPENBLAS_CORETYPE"] == nil,
              let core = correction(current: name, flags: cpuFlags())
        else { return }
        setenv("OPENBLAS_CORETYPE", core, 1)
        if selectKernelsAgain(), name == core { return }
        let arguments = CommandLine.arguments.map { strdup($0) } + [nil]
        execv("/proc/self/exe", arguments)
        // execv returned: the start failed; go on with OpenBLAS's own choice.
        unsetenv("OPENBLAS_CORETYPE")
        for argument in arguments { free(argument) }
    }

    /// Runs OpenBLAS's kernel selection again (it reads `OPENBLAS_CORETYPE`); false when the
    /// library has no dynamic architecture selection to run.
    static func selectKernelsAgain() -> Bool {
        typealias Hook = @convention(c) () -> Void
        guard let quit = dlsym(nil, "gotoblas_dynamic_quit"), let select = dlsym(nil, "gotoblas_dynamic_init") else { return false }
        unsafeBitCast(quit, to: Hook.self)()
        unsafeBitCast(select, to: Hook.self)()
        return true
    }
}
