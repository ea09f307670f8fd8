//! Finding art in English and Chinese text.

use videoagent_art::{emoji_art, exists, pick, pick_first, ArtRef, Kind, Set};

fn first(text: &str, kind: Kind) -> Option<String> {
    pick_first(text, kind).map(|p| p.art.to_string())
}

fn all(text: &str, kind: Kind) -> Vec<String> {
    pick(text, kind).into_iter().map(|p| p.art.to_string()).collect()
}

#[test]
fn lion_in_every_spelling() {
    for text in ["狮子", "Lion", "lion", "LION", "lions", "a lion roars", "一头雄狮"] {
        assert_eq!(first(text, Kind::Any).as_deref(), Some("fluent-emoji-flat:lion"), "{text}");
        assert_eq!(first(text, Kind::Beast).as_deref(), Some("fluent-emoji-flat:lion"), "{text}");
        assert_eq!(first(text, Kind::Animal).as_deref(), Some("fluent-emoji-flat:lion"), "{text}");
    }
}

#[test]
fn beasts_in_chinese_and_english() {
    let cases = [
        ("老虎", "tiger-face"),
        ("鲨鱼", "shark"),
        ("Shark", "shark"),
        ("狼", "wolf"),
        ("熊", "bear"),
        ("恐龙", "t-rex"),
        ("霸王龙", "t-rex"),
        ("T-Rex", "t-rex"),
        ("鳄鱼", "crocodile"),
        ("gorilla", "gorilla"),
        ("wolves", "wolf"),
        ("北极熊", "polar-bear"),
        ("a polar bear", "polar-bear"),
    ];
    for (text, name) in cases {
        assert_eq!(first(text, Kind::Beast), Some(format!("fluent-emoji-flat:{name}")), "{text}");
    }
    assert_ne!(first("Shark", Kind::Any), first("Lion", Kind::Any));
}

#[test]
fn cat_writing_a_weekly_report() {
    let text = "一只猫在写周报";
    let picks = pick(text, Kind::Any);
    let names: Vec<&str> = picks.iter().map(|p| p.art.name.as_str()).collect();
    assert_eq!(names, ["cat-face", "laptop", "memo"], "{picks:?}");
    assert_eq!(picks[0].kind, Kind::Animal);
    assert_eq!(picks[0].word, "猫");
    assert_eq!(&text[picks[0].span.clone()], "猫");
    assert_eq!(picks[1].kind, Kind::Object);
    assert_eq!(picks[1].word, "写周报");
    assert_eq!(picks[2].word, "写周报");

    assert_eq!(all(text, Kind::Animal), ["fluent-emoji-flat:cat-face"]);
    assert_eq!(all(text, Kind::Object), ["fluent-emoji-flat:laptop", "fluent-emoji-flat:memo"]);
}

/// A cat is an animal, not a beast: asking for a beast gets nothing.
#[test]
fn kind_filter() {
    assert_eq!(first("猫", Kind::Animal).as_deref(), Some("fluent-emoji-flat:cat-face"));
    assert_eq!(first("猫", Kind::Beast), None);
    assert_eq!(first("cat", Kind::Beast), None);
    assert_eq!(first("猫", Kind::Food), None);
    // Beasts answer a request for animals.
    assert_eq!(all("猫和老虎", Kind::Animal), ["fluent-emoji-flat:cat-face", "fluent-emoji-flat:tiger-face"]);
    assert_eq!(all("猫和老虎", Kind::Beast), ["fluent-emoji-flat:tiger-face"]);
    // An art with two kinds answers both.
    assert_eq!(first("下雨", Kind::Weather).as_deref(), Some("fluent-emoji-flat:cloud-with-rain"));
    assert_eq!(first("下雨", Kind::Scene).as_deref(), Some("fluent-emoji-flat:cloud-with-rain"));
    assert_eq!(first("下雨", Kind::Person), None);
}

#[test]
fn unknown_words_pick_nothing() {
    assert!(pick("Zorblax", Kind::Any).is_empty());
    assert!(pick("", Kind::Any).is_empty());
    assert!(pick("   ,,, 123", Kind::Any).is_empty());
    assert_eq!(first("Zorblax glorp", Kind::Any), None);
}

/// Plurals reach the curated word, and the annotations' vaguer tags (verbs,
/// moods, a weekend) pick nothing.
#[test]
fn plurals_and_noise() {
    assert_eq!(
        all("I love my dog and my two cats", Kind::Animal),
        ["fluent-emoji-flat:dog-face", "fluent-emoji-flat:cat-face"]
    );
    assert_eq!(all("puppies and kittens", Kind::Any), ["fluent-emoji-flat:dog-face", "fluent-emoji-flat:cat-face"]);
    assert_eq!(
        all("The quick brown fox jumps over the lazy dog", Kind::Any),
        ["fluent-emoji-flat:fox", "fluent-emoji-flat:dog-face"]
    );
    assert_eq!(
        all("周末和朋友去海边烧烤", Kind::Any),
        ["fluent-emoji-flat:people-hugging", "fluent-emoji-flat:beach-with-umbrella", "fluent-emoji-flat:meat-on-bone"]
    );
}

#[test]
fn longest_match_segments_chinese() {
    // 熊猫 is a panda, not a bear and a cat; 猫头鹰 is an owl.
    assert_eq!(all("熊猫", Kind::Any), ["fluent-emoji-flat:panda"]);
    assert_eq!(all("猫头鹰", Kind::Any), ["fluent-emoji-flat:owl"]);
    // 马上 means "at once": no horse.
    assert!(pick("我马上到", Kind::Any).is_empty());
    // 汉堡包 is a burger, not a bag.
    assert_eq!(all("汉堡包", Kind::Any), ["fluent-emoji-flat:hamburger"]);
}

#[test]
fn chores_products_and_scenes() {
    let cases: &[(&str, Kind, &[&str])] = &[
        ("加班", Kind::Object, &["alarm-clock", "laptop"]),
        ("开会", Kind::Object, &["spiral-calendar", "busts-in-silhouette"]),
        ("做饭", Kind::Any, &["cooking"]),
        ("堵车", Kind::Object, &["automobile", "vertical-traffic-light"]),
        ("打工人", Kind::Person, &["office-worker"]),
        ("office worker", Kind::Person, &["office-worker"]),
        ("学生", Kind::Person, &["student"]),
        ("水杯", Kind::Object, &["cup-with-straw"]),
        ("新款运动鞋", Kind::Object, &["running-shoe"]),
        ("手机", Kind::Object, &["mobile-phone"]),
        ("耳机", Kind::Object, &["headphone"]),
        ("口红", Kind::Object, &["lipstick"]),
        ("headphones", Kind::Object, &["headphone"]),
        ("Sneakers", Kind::Object, &["running-shoe"]),
        ("咖啡店", Kind::Scene, &["hot-beverage"]),
        ("公园", Kind::Scene, &["national-park"]),
        ("商店", Kind::Scene, &["convenience-store"]),
        ("书", Kind::Scene, &["books"]),
        ("beach", Kind::Scene, &["beach-with-umbrella"]),
        ("snow", Kind::Weather, &["snowflake"]),
        ("at night", Kind::Scene, &["night-with-stars"]),
        ("领奖台", Kind::Object, &["podium"]),
    ];
    for (text, kind, names) in cases {
        let got: Vec<String> = pick(text, *kind).into_iter().map(|p| p.art.name).collect();
        assert_eq!(got, *names, "{text} ({kind})");
    }
    // The podium is a silhouette: game-icons has it, the emoji sets do not.
    assert_eq!(pick_first("领奖台", Kind::Any).unwrap().art.set, Set::GameIcons);
}

#[test]
fn annotations_fill_in_beyond_the_table() {
    // Neither is in the curated table: they come from emojibase's labels.
    assert_eq!(first("flamingo", Kind::Animal).as_deref(), Some("fluent-emoji-flat:flamingo"));
    assert_eq!(first("火烈鸟", Kind::Animal).as_deref(), Some("fluent-emoji-flat:flamingo"));
    assert_eq!(first("kangaroo", Kind::Any).as_deref(), Some("fluent-emoji-flat:kangaroo"));
    // A Chinese tag (电脑 is a tag of 笔记本电脑, and in the table too).
    assert_eq!(first("电脑", Kind::Object).as_deref(), Some("fluent-emoji-flat:laptop"));
}

#[test]
fn mixed_text_in_order() {
    let text = "My cat 🐶 and 老虎 with coffee ❤️";
    let got: Vec<(String, String)> = pick(text, Kind::Any).into_iter().map(|p| (p.art.name, p.word)).collect();
    let want = [
        ("cat-face", "cat"),
        ("dog-face", "🐶"),
        ("tiger-face", "老虎"),
        ("hot-beverage", "coffee"),
        ("red-heart", "❤️"),
    ];
    let want: Vec<(String, String)> = want.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
    assert_eq!(got, want);
    // Each art once: the second cat adds nothing.
    assert_eq!(all("cat cat 猫", Kind::Any), ["fluent-emoji-flat:cat-face"]);
}

#[test]
fn picks_are_deterministic() {
    let texts = ["一只猫在写周报", "lion tiger bear wolf shark", "周末去公园野餐，下雨了，带上雨伞和耳机 🎧"];
    for text in texts {
        let once = pick(text, Kind::Any);
        assert!(!once.is_empty(), "{text}");
        for _ in 0..5 {
            assert_eq!(pick(text, Kind::Any), once, "{text}");
        }
    }
    // Same answer from another thread (no per-thread state, no hash order).
    let text = texts[2].to_string();
    let here = pick(&text, Kind::Any);
    let there = std::thread::spawn(move || pick(&text, Kind::Any)).join().unwrap();
    assert_eq!(here, there);
}

#[test]
fn emoji_resolve_to_flat_icons() {
    let cases = [
        ("🐱", "cat-face"),
        ("❤️", "red-heart"),
        ("❤", "red-heart"),
        ("🦁", "lion"),
        ("👍🏽", "thumbs-up-medium"),
        ("👩‍💻", "woman-technologist"),
        ("1️⃣", "keycap-1"),
    ];
    for (emoji, name) in cases {
        let art = emoji_art(emoji).unwrap_or_else(|| panic!("{emoji}"));
        assert_eq!(art, ArtRef::new(Set::FluentFlat, name), "{emoji}");
        assert!(exists(&art), "{art}");
    }
    assert_eq!(emoji_art("a"), None);
    assert_eq!(emoji_art("猫"), None);
    assert_eq!(emoji_art(""), None);
}

/// Every art the curated table names exists, and every silhouette pair too:
/// a typo in the table would otherwise pick an icon that cannot be drawn.
#[test]
fn every_picked_art_exists() {
    let texts = [
        "狮子 老虎 熊 狼 鲨鱼 恐龙 霸王龙 鳄鱼 大猩猩 豹 龙 鹰 蛇 蝎子 犀牛 河马 野猪 野牛 怪兽",
        "猫 狗 兔子 熊猫 考拉 狐狸 猴子 猪 牛 马 老鼠 仓鼠 大象 长颈鹿 鹿 猫头鹰 鸟 鸡 鸭 企鹅 鱼 鲸鱼 海豚 章鱼 乌龟 青蛙 蝴蝶 蜜蜂 独角兽 宠物",
        "打工人 程序员 学生 老师 老板 医生 厨师 宝宝 孩子 妈妈 爸爸 朋友 情侣 奶奶 爷爷 农民 警察 消防员 宇航员 科学家 侦探 超人 忍者 机器人 鬼 外星人 跑步 游泳 健身 瑜伽 跳舞 开心 伤心 累 睡觉 可爱",
        "写周报 加班 开会 做饭 洗碗 带娃 堵车 通勤 上班 打扫 洗衣服 购物 外卖 快递 考试 学习 读书 熬夜 摸鱼 工资 编程 游戏 追剧 电影 音乐 生日 旅行 派对 庆祝",
        "瓶子 水杯 护肤品 香水 鞋 高跟鞋 靴子 手机 包 背包 钱包 手表 耳机 口红 电脑 相机 眼镜 墨镜 帽子 裙子 衣服 牛仔裤 戒指 钻石 钥匙 雨伞 礼物 红包 奖杯 奖牌 皇冠 领奖台 打折 书 笔记 文件 日历 闹钟 邮件 灵感 锁 鼠标 爱心 闪耀",
        "汽车 跑车 自行车 公交 地铁 火车 飞机 火箭 出租车 电动车 摩托车 船",
        "汉堡 薯条 披萨 可乐 咖啡 奶茶 茶 面条 米饭 吃饭 火锅 蛋糕 冰淇淋 啤酒 红酒 苹果 香蕉 西瓜 草莓 鸡蛋 面包 糖果 巧克力 寿司 饺子 炸鸡 牛排 甜甜圈 饼干 牛奶 龙虾",
        "下雨 下雪 雪山 晴天 多云 彩虹 打雷 刮风 火 月亮 星星 晚上 春天 秋天 咖啡店 公园 车站 厕所 商店 商场 超市 图书馆 海滩 大海 爬山 城市 回家 学校 办公室 医院 餐厅 森林 树 鲜花 沙漠 小岛 露营 体育场",
        "足球 篮球 网球 乒乓球 羽毛球 跳水 速度",
    ];
    let mut count = 0;
    for text in texts {
        let picks = pick(text, Kind::Any);
        let words = text.split(' ').count();
        assert!(picks.len() >= words * 9 / 10, "{text}: only {} picks for {words} words", picks.len());
        for p in picks {
            assert!(exists(&p.art), "{} (from {:?}) does not exist", p.art, p.word);
            count += 1;
        }
    }
    assert!(count > 250, "{count}");
}

#[test]
fn restyle_between_sets() {
    let lion = ArtRef::new(Set::FluentFlat, "lion");
    assert_eq!(lion.in_set(Set::Fluent3d), Some(ArtRef::new(Set::Fluent3d, "lion")));
    assert_eq!(lion.in_set(Set::Noto), Some(ArtRef::new(Set::Noto, "lion")));
    assert_eq!(lion.in_set(Set::GameIcons), Some(ArtRef::new(Set::GameIcons, "lion")));
    let tiger = ArtRef::new(Set::FluentFlat, "tiger-face");
    assert_eq!(tiger.in_set(Set::GameIcons), Some(ArtRef::new(Set::GameIcons, "tiger-head")));
    assert_eq!(ArtRef::new(Set::GameIcons, "tiger-head").in_set(Set::FluentFlat), Some(tiger));
    // Not in the subset.
    assert_eq!(ArtRef::new(Set::FluentFlat, "kangaroo").in_set(Set::Fluent3d), None);
}
