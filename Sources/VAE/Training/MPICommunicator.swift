#if MPI
    import CMPI
    import Foundation

    /// The ranks `mpirun` (or `srun`) started, over Open MPI: `MPI_Allreduce` from host memory (no MPI is
    /// Vulkan-aware, so a GPU's gradients are read back first). Built with `swift build --traits MPI`.
    public final class MPICommunicator: Communicator {
        public let rank: Int
        public let size: Int
        private let world: MPI_Comm

        /// Joins the job (`MPI_Init`); a process started without `mpirun` is a job of one.
        public init() throws {
            var initialized: Int32 = 0
            MPI_Initialized(&initialized)
            if initialized == 0 { MPI_Init(nil, nil) }
            world = vae_mpi_comm_world()
            var r: Int32 = 0, s: Int32 = 0
            MPI_Comm_rank(world, &r)
            MPI_Comm_size(world, &s)
            (rank, size) = (Int(r), Int(s))
        }

        deinit { MPI_Finalize() }

        private func check(_ status: Int32, _ what: String) throws {
            guard status == MPI_SUCCESS else { throw RunError("rank \(rank): \(what) failed (MPI error \(status))") }
        }

        public func allreduceSum(_ values: UnsafeMutableBufferPointer<Float>) throws {
            guard let n = Int32(exactly: values.count) else {
                throw RunError("rank \(rank): \(values.count) values are too many for one MPI_Allreduce")
            }
            let status = MPI_Allreduce(
                vae_mpi_in_place(), values.baseAddress, n, vae_mpi_float(), vae_mpi_sum(), world)
            try check(status, "allreduce")
        }

        public func allreduceSum(_ values: inout [Double]) throws {
            let n = Int32(values.count)
            let status = values.withUnsafeMutableBytes {
                MPI_Allreduce(vae_mpi_in_place(), $0.baseAddress, n, vae_mpi_double(), vae_mpi_sum(), world)
            }
            try check(status, "allreduce")
        }

        public func allreduceMax(_ values: inout [Double]) throws {
            let n = Int32(values.count)
            let status = values.withUnsafeMutableBytes {
                MPI_Allreduce(vae_mpi_in_place(), $0.baseAddress, n, vae_mpi_double(), vae_mpi_max(), world)
            }
            try check(status, "allreduce")
        }

        public func barrier() throws { try check(MPI_Barrier(world), "barrier") }

        public func abort(status: Int32) -> Never {
            MPI_Abort(world, status)
            exit(status)
        }
    }
#endif
