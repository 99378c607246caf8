// The week in review, for the CEO's weekly summary (`brief --audience ceo
// --week`): which risks are new, which continue, which were resolved in the
// seven days before now, and which promised dates fell in the week and were
// kept or missed (releases and deadline commitments, from the check history
// those desks record).
//
// Reads the store only; not thread-safe (one Store per thread).
#pragma once

#include "core/briefing.h"
#include "core/error.h"
#include "store/store.h"

namespace ctodesk {

// Builds the review from today's briefing and the store's history.
// Fails only when the store does.
Result<WeekReview> ReviewWeek(const Briefing& today, Store& store);

}  // namespace ctodesk
