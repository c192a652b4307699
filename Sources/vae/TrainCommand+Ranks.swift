import Foundation
import VAE

/// How `vae train` runs as one rank of a data-parallel job: rank 0 does everything a single process does;
/// every other rank trains the same steps on its slice of each batch and writes nothing the user sees.
extension TrainCommand {
    /// The processes this run trains with: `--distributed none`, MPI when a launcher started this process
    /// (or `--distributed mpi`), otherwise one process.
    func communicator() throws -> any Communicator { try MPILaunch.communicator(distributed) }

    /// For a rank other than 0: a private folder to write its (discarded) run files into, holding a copy of
    /// the run's saved state when resuming, and stdout silenced. Called after rank 0 has opened (and, if
    /// need be, repaired) the run folder.
    static func privateFolder(rank: Int, copying run: String?) throws -> String {
        let folder = NSTemporaryDirectory() + "vae-rank\(rank)-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        if let run {
            for name in RunDirectory.stateFiles where FileManager.default.fileExists(atPath: run + "/" + name) {
                try FileManager.default.copyItem(atPath: run + "/" + name, toPath: folder + "/" + name)
            }
        }
        let null = open("/dev/null", O_WRONLY)
        if null >= 0 {
            dup2(null, STDOUT_FILENO)
            close(null)
        }
        return folder
    }
}

/// What an MPI launcher (Open MPI's mpirun, MPICH's Hydra, Slurm's srun) tells its processes.
enum MPILaunch {
    /// The processes to work with for `--distributed` (`none`, `auto`: MPI when a launcher started this
    /// process, or `mpi`).
    static func communicator(_ distributed: String) throws -> any Communicator {
        switch distributed {
        case "none": return SingleProcess()
        case "auto", "mpi":
            #if MPI
                if distributed == "mpi" || ranks != nil { return try MPICommunicator() }
                return SingleProcess()
            #else
                if distributed == "mpi" {
                    throw ConfigurationError(
                        "--distributed mpi: this vae was built without MPI; build it with `swift build -c release --traits MPI` (needs libopenmpi-dev)"
                    )
                }
                if let ranks, ranks > 1 {
                    throw ConfigurationError(
                        "started as one of \(ranks) ranks, but this vae was built without MPI, so each would train alone; build it with `--traits MPI`, or pass --distributed none"
                    )
                }
                return SingleProcess()
            #endif
        default:
            throw ConfigurationError("--distributed must be auto, none or mpi, got '\(distributed)'")
        }
    }

    /// The number of ranks the launcher started, or nil when no launcher started this process.
    static var ranks: Int? {
        let environment = ProcessInfo.processInfo.environment
        for key in ["OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE", "SLURM_NTASKS"] {
            if let n = environment[key].flatMap(Int.init) { return n }
        }
        return nil
    }

    /// This rank's number among the ranks of its machine (Open MPI, Slurm), or nil.
    static var localRank: Int? {
        let environment = ProcessInfo.processInfo.environment
        return ["OMPI_COMM_WORLD_LOCAL_RANK", "MPI_LOCALRANKID", "SLURM_LOCALID"].lazy.compactMap {
            environment[$0].flatMap(Int.init)
        }.first
    }

    /// How many ranks share this machine (Open MPI, MPICH), or nil.
    static var localRanks: Int? {
        let environment = ProcessInfo.processInfo.environment
        return ["OMPI_COMM_WORLD_LOCAL_SIZE", "MPI_LOCALNRANKS"].lazy.compactMap {
            environment[$0].flatMap(Int.init)
        }.first
    }
}
