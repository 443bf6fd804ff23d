import ProtMemBoard

/// Board variants the suites need beside the built-in default, each differing in one thing
/// (``BoardConfiguration``'s `builtin…` variants, which the attack catalogue runs on too).
public enum TestBoards {
    /// See ``BoardConfiguration/builtinOPTEEDynamic``.
    public static var opteeDynamic: BoardConfiguration { .builtinOPTEEDynamic }
    /// See ``BoardConfiguration/builtinMediaTek``.
    public static var mediatek: BoardConfiguration { .builtinMediaTek }
    /// See ``BoardConfiguration/builtinHypervisor``.
    public static var hypervisor: BoardConfiguration { .builtinHypervisor }
}
