// crunch.cc - a C++ workload with the names a C++ profile shows: a
// namespace, a class template's method, a lambda and an inlined method
//
// usage: crunch [SECONDS]   (default 2.0 seconds of process CPU time)
//
// Built by the tests as C++ is usually built (g++ -O2 -g). Each round runs
//   crunch::Hasher<unsigned long>::mix(std::vector<unsigned long> const&)
//                          about 50% of the time (a class template method),
//   ns::accumulate(unsigned long)
//     -> ns::Acc::step(unsigned long)  about 30% (always inlined: only DWARF
//                          names it, as an inlined call in accumulate),
//   main::{lambda(unsigned long)#1}::operator()(unsigned long) const
//     -> (anonymous namespace)::Spinner::turn
//                          about 20% (a lambda, never inlined, and a method
//                          of a class in an anonymous namespace inlined),
// all called from main. Prints one deterministic checksum line.
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <vector>

#define BURN(x)                                          \
	do {                                             \
		(x) ^= (x) << 13;                        \
		(x) ^= (x) >> 7;                         \
		(x) ^= (x) << 17;                        \
		(x) *= 0x2545f4914f6cdd1dULL;            \
	} while (0)

static const unsigned long UNIT = 4000;

static double cpu_seconds()
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

namespace crunch {

template <typename T> class Hasher {
public:
	explicit Hasher(T seed) : state_(seed | 1) {}
	__attribute__((noinline)) T mix(const std::vector<T> &v);

private:
	T state_;
};

template <typename T> T Hasher<T>::mix(const std::vector<T> &v)
{
	T x = state_;

	for (unsigned long r = 0; r < 5 * UNIT / v.size(); r++)
		for (T e : v) {
			x ^= e;
			BURN(x);
		}
	__asm__ __volatile__("" : "+r"(x));
	state_ = x;
	return x;
}

} // namespace crunch

namespace ns {

struct Acc {
	unsigned long x;

	inline __attribute__((always_inline)) void step(unsigned long v)
	{
		x ^= v;
		BURN(x);
		__asm__ __volatile__("" : "+r"(x));
	}
};

__attribute__((noinline)) unsigned long accumulate(unsigned long seed)
{
	Acc a{seed | 1};

	for (unsigned long i = 0; i < 3 * UNIT; i++)
		a.step(i);
	return a.x;
}

} // namespace ns

namespace {

// GCC gives members of a class in an anonymous namespace no
// DW_AT_linkage_name: its inlined calls are named from the DWARF scopes
struct Spinner {
	inline __attribute__((always_inline)) unsigned long turn(unsigned long x)
	{
		BURN(x);
		__asm__ __volatile__("" : "+r"(x));
		return x;
	}
};

} // namespace

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 2.0, start = cpu_seconds();
	crunch::Hasher<unsigned long> h(42);
	std::vector<unsigned long> v(16);
	unsigned long sum = 0;

	if (argc > 2 || seconds <= 0) {
		fprintf(stderr, "usage: crunch [SECONDS]\n");
		return 2;
	}
	for (unsigned long i = 0; i < v.size(); i++)
		v[i] = i * 0x9e3779b97f4a7c15ULL;
	auto spin = [](unsigned long seed) __attribute__((noinline)) {
		unsigned long x = seed | 1;
		Spinner s;

		for (unsigned long i = 0; i < 2 * UNIT; i++)
			x = s.turn(x);
		return x;
	};
	do {
		h = crunch::Hasher<unsigned long>(42);
		sum ^= h.mix(v);
		sum ^= ns::accumulate(7);
		sum ^= spin(9);
	} while (cpu_seconds() - start < seconds);
	// the same work every round: the checksum does not depend on timing
	printf("checksum %016" PRIx64 "\n", (uint64_t)(h.mix(v) ^ ns::accumulate(7) ^ spin(9)));
	return sum == 1;
}
