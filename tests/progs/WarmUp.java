// SPDX-License-Identifier: GPL-2.0-or-later
// A warm-up that outlasts a short policy window: the live set grows to
// TARGET_MIB over RAMP_S seconds (a cache or buffer pool filling), then holds
// for HOLD_S seconds. All the while a loop touches one byte in every page of
// the live set; what it allocates lands in the young generation first and
// is copied out by G1's young collections, as in any program that fills a
// cache. Once a second
// it prints what it did in that second:
//   t=12.0 live=48 rate=61440
// (seconds since the start, MiB live, pages touched per second): the loop's
// throughput, to compare a run in a jail with one outside.
import java.util.ArrayList;

public class WarmUp {
	static final int CHUNK = 256 << 10; // below G1's humongous size: copied like any object

	public static void main(String[] args) {
		int targetMiB = Integer.parseInt(args[0]);
		double rampS = Double.parseDouble(args[1]);
		double holdS = Double.parseDouble(args[2]);
		int work = args.length > 3 ? Integer.parseInt(args[3]) : 4;
		int chunksPerMiB = (1 << 20) / CHUNK;
		ArrayList<byte[]> live = new ArrayList<>();
		long t0 = System.nanoTime(), lastReport = t0, pages = 0, sink = 0;

		for (;;) {
			long now = System.nanoTime();
			double t = (now - t0) / 1e9;
			if (t >= rampS + holdS)
				break;
			long want = Math.max(1, Math.min((long)targetMiB * chunksPerMiB,
							 (long)Math.ceil(targetMiB * chunksPerMiB * t / rampS)));
			while (live.size() < want)
				live.add(new byte[CHUNK]);
			for (byte[] b : live) {
				sink += b[0];
				for (int i = 0; i < b.length; i += 4096) {
					// the work done on each page: a checksum, WORK times over
					int sum = 0;
					for (int r = 0; r < work; r++)
						for (int k = i; k < i + 4096; k += 8)
							sum += b[k] ^ r;
					b[i] = (byte)sum;
				}
				pages += CHUNK / 4096;
			}
			now = System.nanoTime();
			if (now - lastReport >= 1_000_000_000L) {
				double dt = (now - lastReport) / 1e9;
				System.out.printf("t=%.1f live=%d rate=%d%n", (now - t0) / 1e9, live.size() / chunksPerMiB,
						  (long)(pages / dt));
				System.out.flush();
				pages = 0;
				lastReport = now;
			}
		}
		System.out.println("done " + (sink & 1));
	}
}
